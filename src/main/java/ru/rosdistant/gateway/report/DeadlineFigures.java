package ru.rosdistant.gateway.report;

import java.time.LocalDate;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * How one rule of the regulation ({@code TRIAGE}, {@code CLASSIFICATION}, {@code TASK}) was kept in one group and
 * bucket: kept, missed, and still running (pending, not counted in the share).
 */
public record DeadlineFigures(String rule, String key, String label, LocalDate bucket, long total, long kept,
        long missed, long pending, long escalations) {

    /** Kept among the decided ones (kept + missed), 0 to 1; null when none is decided. */
    @JsonProperty
    public Double keptShare() {
        return kept + missed == 0 ? null : (double) kept / (kept + missed);
    }
}
