package ru.rosdistant.gateway.report;

import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;

/**
 * What one report request asks for: the days {@code from} to {@code to} (both included, in the report zone), the
 * trend step, the grouping, and narrowing filters. {@code lines} is the caller's scope after the role check:
 * {@code null} for every line.
 */
public record ReportFilter(LocalDate from, LocalDate to, Step step, GroupBy by, List<String> lines, Long agentId,
        String siteId, String channel) {

    /** The size of the trend's buckets. */
    public enum Step {
        DAY, WEEK, MONTH, PERIOD
    }

    /** What the rows of a report are per. */
    public enum GroupBy {
        ALL, LINE, AGENT, SITE, CHANNEL, SITE_CHANNEL
    }

    /** The channels a dialog may come from. */
    static final List<String> CHANNELS = List.of("WIDGET", "TELEGRAM", "VIBER", "WHATSAPP");

    /**
     * Checks the caller's input against the limits; an {@link IllegalArgumentException} names what is wrong.
     */
    static ReportFilter of(LocalDate from, LocalDate to, String step, String by, List<String> lines, Long agentId,
            String siteId, String channel, int maxPeriodDays) {
        if (from == null || to == null) {
            throw new IllegalArgumentException("from and to are required (yyyy-mm-dd)");
        }
        if (to.isBefore(from)) {
            throw new IllegalArgumentException("to must not be before from");
        }
        long days = ChronoUnit.DAYS.between(from, to) + 1;
        if (days > maxPeriodDays) {
            throw new IllegalArgumentException("The period may span at most " + maxPeriodDays + " days, not " + days);
        }
        if (channel != null && !CHANNELS.contains(channel)) {
            throw new IllegalArgumentException("channel: one of " + CHANNELS);
        }
        if (siteId != null && siteId.length() > 64) {
            throw new IllegalArgumentException("site: at most 64 characters");
        }
        return new ReportFilter(from, to, parse(Step.class, step, Step.DAY, "step"),
                parse(GroupBy.class, by, GroupBy.LINE, "by"), lines, agentId, siteId, channel);
    }

    private static <E extends Enum<E>> E parse(Class<E> type, String value, E fallback, String name) {
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return Enum.valueOf(type, value.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        }
        catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException(name + ": one of " + List.of(type.getEnumConstants())
                    .stream()
                    .map(constant -> constant.name().toLowerCase(Locale.ROOT).replace('_', '-'))
                    .toList(), ex);
        }
    }
}
