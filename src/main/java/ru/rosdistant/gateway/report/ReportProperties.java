package ru.rosdistant.gateway.report;

import java.time.Duration;
import java.time.ZoneId;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code gateway.report}: how reports count and how much one request may ask for.
 *
 * @param zone days, weeks and months are cut in this zone, and working days end at its midnight
 * @param maxPeriodDays the longest period one request may cover (from and to both counted)
 * @param maxRows the most dialogs (or deadline rows) one list or CSV export returns; a longer list is cut and
 * says so
 * @param queryTimeout a report query that runs longer is cancelled in PostgreSQL and answered 503 with the report's
 * own problem detail; kept 3 s short of {@code gateway.web.request-timeout}, so that the request bound's bare 503
 * does not come first
 * @param missedCheckInterval how often the deadlines that fell due undone are added to
 * {@code gateway_deadlines_missed_total}
 */
@ConfigurationProperties("gateway.report")
record ReportProperties(@DefaultValue("Europe/Samara") ZoneId zone, @DefaultValue("366") int maxPeriodDays,
        @DefaultValue("10000") int maxRows, @DefaultValue("10s") Duration queryTimeout,
        @DefaultValue("5m") Duration missedCheckInterval) {
}
