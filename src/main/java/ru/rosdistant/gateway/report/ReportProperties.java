package ru.rosdistant.gateway.report;

import java.time.Duration;
import java.time.ZoneId;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
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
 * @param backendNice the CPU priority of the report connections' PostgreSQL backends ({@link BackendNice}):
 * {@code auto} (nice 19 when the database is reached over loopback or a Unix socket), {@code off}, or a niceness
 * 0-19 tried on any host
 * @param parallelWorkers {@code max_parallel_workers_per_gather} of the report connections: 0 (the default) runs
 * each report in its one backend, whose priority is lowered (parallel workers are new processes, not lowered); -1
 * keeps the server's setting
 * @param ownEventLoop whether the report pool's connections run on an event loop of their own ({@code report-db}) or,
 * the default, on the driver's shared loops with the chat's connections: on one host the chat fared worse with the
 * reports on a loop of their own (docs/benchmarks.md, "The chat path while reports run")
 * @param r2dbc another database for the reports to read (a streaming standby of the gateway's): its URL, user and
 * password; with no URL they read the gateway's own database. The roll-up job writes, and keeps the gateway's.
 */
@ConfigurationProperties("gateway.report")
record ReportProperties(@DefaultValue("Europe/Samara") ZoneId zone, @DefaultValue("366") int maxPeriodDays,
        @DefaultValue("10000") int maxRows, @DefaultValue("10s") Duration queryTimeout,
        @DefaultValue("5m") Duration missedCheckInterval, @DefaultValue Concurrency concurrency,
        @DefaultValue("auto") String backendNice, @DefaultValue("0") int parallelWorkers,
        @DefaultValue("false") boolean ownEventLoop, @DefaultValue R2dbc r2dbc) {

    @ConstructorBinding
    ReportProperties {
        BackendNice.parse(backendNice);
        if (parallelWorkers < -1 || parallelWorkers > 64) {
            throw new IllegalArgumentException("gateway.report.parallel-workers: -1 (the server's) or 0 to 64, not "
                    + parallelWorkers);
        }
    }

    /** The settings as before the report connections' priority and database were settable (tests). */
    ReportProperties(ZoneId zone, int maxPeriodDays, int maxRows, Duration queryTimeout, Duration missedCheckInterval,
            Concurrency concurrency) {
        this(zone, maxPeriodDays, maxRows, queryTimeout, missedCheckInterval, concurrency, "auto", 0, false,
                new R2dbc(null, null, null));
    }

    /** What {@code gateway.report.backend-nice} says. */
    BackendNice nice() {
        return BackendNice.parse(backendNice);
    }

    /**
     * {@code gateway.report.r2dbc}: the database the reports read, when not the gateway's own.
     *
     * @param url an R2DBC URL ({@code r2dbc:postgresql://standby:5432/gateway}); empty: the gateway's database
     * @param username its user (else the URL's)
     * @param password its password (else the URL's)
     */
    record R2dbc(String url, String username, String password) {

        boolean configured() {
            return url != null && !url.isBlank();
        }

        @Override
        public String toString() {
            return "R2dbc[url=" + url + ", username=" + username + ", password=" + (password == null ? null : "***")
                    + "]";
        }
    }

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
