package ru.rosdistant.gateway.report;

import java.time.Instant;
import java.util.UUID;

/** One dialog behind a figure: where it came from, who took it, its times and how it ended. */
public record DialogRow(UUID dialogId, String offeredLine, String line, String site, String channel, String agent,
        String outcome, Instant queuedAt, Instant takenAt, Instant firstResponseAt, Instant closedAt, Long waitSeconds,
        Long firstResponseSeconds, Long handleSeconds, long messages, Integer rating, String ratingComment,
        String appealType, String requestNumber, String complaintAddressee) {
}
