package ru.rosdistant.gateway.widget;

import java.time.Duration;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code gateway.visitors}: what one client address may do on the visitor socket, and when a waiting visitor
 * counts as gone. Buckets refill at the per-minute (per-hour) rate and hold up to the burst.
 *
 * @param newPerMinute new visitors ({@code hello} without a valid token) per client address
 * @param dialogsPerMinute new dialogs ({@code open}) per client address
 * @param openDialogs dialogs opened from one client address that may be open (not closed) at once
 * @param transcriptsPerHour transcript copies by mail per client address
 * @param messagesPerMinute messages into one dialog from the widget, however many sockets or addresses send them
 * (counted by all nodes together); past it a message is refused {@code RATE_LIMITED}, nothing stored, and the widget sends it
 * again
 * @param unlimitedAddresses client addresses none of these limits apply to (e.g. a trusted host many visitors
 * share)
 * @param trackedClients past this many client addresses, the buckets that are full again are forgotten
 * @param abandonAfter a waiting dialog whose visitor has had no socket this long is closed as abandoned
 * @param sweepInterval how often abandoned dialogs and transcripts due are looked for
 */
@ConfigurationProperties("gateway.visitors")
record VisitorLimitsProperties(@DefaultValue("20") double newPerMinute, @DefaultValue("40") int newBurst,
        @DefaultValue("10") double dialogsPerMinute, @DefaultValue("20") int dialogsBurst,
        @DefaultValue("20") int openDialogs, @DefaultValue("5") double transcriptsPerHour,
        @DefaultValue("5") int transcriptsBurst, @DefaultValue List<String> unlimitedAddresses,
        @DefaultValue("10000") int trackedClients, @DefaultValue("10m") Duration abandonAfter,
        @DefaultValue("30s") Duration sweepInterval, @DefaultValue("30") double messagesPerMinute,
        @DefaultValue("20") int messagesBurst) {
}
