package ru.rosdistant.gateway.report;

import java.time.Instant;
import java.util.UUID;

/** One dialog or task a deadline applies to: when its clock started, when it was due, when it was done. */
public record DeadlineRow(String rule, UUID dialogId, UUID taskId, String line, String site, String channel,
        String agent, Instant started, Instant due, Instant doneAt, String status, long escalations) {
}
