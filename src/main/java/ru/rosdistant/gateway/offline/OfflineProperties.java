package ru.rosdistant.gateway.offline;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The offline form: how many forms one client address may send ({@code forms-per-minute}, with bursts up
 * to {@code burst}), whether a request without an Origin (a server, not a browser) is accepted, the region
 * for phone numbers written without a country code, and how many earlier chat messages go into the mail;
 * {@code appealSweepInterval}: how often offline appeals an event missed are looked for.
 */
@ConfigurationProperties("gateway.offline")
record OfflineProperties(@DefaultValue("5") double formsPerMinute, @DefaultValue("10") int burst,
        @DefaultValue("true") boolean allowWithoutOrigin, @DefaultValue("RU") String defaultRegion,
        @DefaultValue("100") int earlierMessages, @DefaultValue("10000") int trackedClients,
        @DefaultValue("30s") java.time.Duration appealSweepInterval) {
}
