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
 * @param concurrency how many reports run at once, so that reports never take the connections the chat path needs
 */
@ConfigurationProperties("gateway.report")
record ReportProperties(@DefaultValue("Europe/Samara") ZoneId zone, @DefaultValue("366") int maxPeriodDays,
        @DefaultValue("10000") int maxRows, @DefaultValue("10s") Duration queryTimeout,
        @DefaultValue("5m") Duration missedCheckInterval, @DefaultValue Concurrency concurrency) {

    /**
     * {@code gateway.report.concurrency}: each running report holds one pooled connection for as long as its query
     * runs, so the reports of a node hold at most {@code node} connections (and the missed-deadline count one more).
     *
     * @param node reports running at once on this node, whoever asked
     * @param perUser reports one user runs at once
     * @param maxWait how long a report beyond those limits waits for a free place before it is refused
     * @param maxWaiting reports waiting at once on this node; one more is refused at once
     * @param retryAfter the {@code Retry-After} a refused report is answered with
     */
    record Concurrency(@DefaultValue("2") int node, @DefaultValue("1") int perUser,
            @DefaultValue("2s") Duration maxWait, @DefaultValue("8") int maxWaiting, @DefaultValue("5s") Duration retryAfter) {

        Concurrency {
            if (node < 1 || perUser < 1 || maxWaiting < 0) {
                throw new IllegalArgumentException(
                        "gateway.report.concurrency: node and per-user at least 1, max-waiting at least 0");
            }
        }
    }
}
