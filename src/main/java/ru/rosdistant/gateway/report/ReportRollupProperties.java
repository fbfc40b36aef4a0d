package ru.rosdistant.gateway.report;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code gateway.report.rollup}: the per-day roll-ups of the dialog figures ({@link ReportRollups}).
 *
 * @param enabled whether the reports read the roll-ups (and the job keeps them); off, every report counts every
 * dialog of its period
 * @param interval how often one node rolls up the days not rolled up yet (new past days, days changed since)
 * @param delay the first pass after the start
 * @param days how many past days the job keeps rolled up; a period older than that is counted from its dialogs
 * @param grace a day is rolled up no earlier than this after its end, so that no dialog can still join its line
 * inside it
 */
@ConfigurationProperties("gateway.report.rollup")
record ReportRollupProperties(@DefaultValue("true") boolean enabled, @DefaultValue("10m") Duration interval,
        @DefaultValue("5s") Duration delay, @DefaultValue("400") int days, @DefaultValue("15m") Duration grace) {

    ReportRollupProperties {
        if (days < 1 || interval.isZero() || interval.isNegative()) {
            throw new IllegalArgumentException("gateway.report.rollup: days at least 1, interval above 0");
        }
    }
}
