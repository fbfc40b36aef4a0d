package ru.rosdistant.gateway.report;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One agent in the period: dialogs held, the seconds they held dialogs (summed over dialogs, so two at once count
 * twice), the most they held at once, and their time online, away and offline as routing saw it.
 */
public record AgentFigures(long agentId, String name, List<String> lines, long dialogs, Long dialogSeconds,
        long peakAtOnce, Long onlineSeconds, Long awaySeconds, Long offlineSeconds) {

    /** Dialogs held at once on average while online; null before any online time was recorded. */
    @JsonProperty
    public Double averageLoad() {
        return onlineSeconds == null || onlineSeconds == 0 || dialogSeconds == null ? null
                : (double) dialogSeconds / onlineSeconds;
    }
}
