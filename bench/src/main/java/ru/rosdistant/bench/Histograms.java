package ru.rosdistant.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The difference of two live-object histograms ({@code jcmd PID GC.class_histogram}) of one process, per
 * connection: what N sockets keep, class by class.
 */
final class Histograms {

    /** {@code    1:        123456       7890123  java.lang.String (java.base@17)} */
    private static final Pattern LINE = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)");

    private Histograms() {
    }

    /** instances and bytes by class name */
    static Map<String, long[]> parse(String histogram) {
        Map<String, long[]> classes = new HashMap<>();
        for (String line : histogram.split("\n")) {
            Matcher matcher = LINE.matcher(line);
            if (matcher.find()) {
                classes.merge(matcher.group(3),
                        new long[] {Long.parseLong(matcher.group(1)), Long.parseLong(matcher.group(2))},
                        (a, b) -> new long[] {a[0] + b[0], a[1] + b[1]});
            }
        }
        return classes;
    }

    /** The live bytes per connection over all classes. */
    static double total(String base, String loaded, long connections) {
        long sum = 0;
        for (long[] v : parse(loaded).values()) {
            sum += v[1];
        }
        for (long[] v : parse(base).values()) {
            sum -= v[1];
        }
        return (double) sum / connections;
    }

    /**
     * One line a class whose bytes changed by at least 1 byte per connection: bytes and instances per
     * connection, largest first, and the total.
     */
    static String perConnection(String base, String loaded, long connections) {
        Map<String, long[]> before = parse(base);
        Map<String, long[]> after = parse(loaded);
        List<Object[]> rows = new ArrayList<>();
        double total = 0;
        for (Map.Entry<String, long[]> e : after.entrySet()) {
            long[] b = before.getOrDefault(e.getKey(), new long[2]);
            double bytes = (double) (e.getValue()[1] - b[1]) / connections;
            double count = (double) (e.getValue()[0] - b[0]) / connections;
            total += bytes;
            rows.add(new Object[] {e.getKey(), bytes, count});
        }
        for (Map.Entry<String, long[]> e : before.entrySet()) {
            if (!after.containsKey(e.getKey())) {
                double bytes = -(double) e.getValue()[1] / connections;
                total += bytes;
                rows.add(new Object[] {e.getKey(), bytes, -(double) e.getValue()[0] / connections});
            }
        }
        rows.sort((x, y) -> Double.compare(Math.abs((double) y[1]), Math.abs((double) x[1])));
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
                "# live objects per connection: (loaded - baseline) / %d connections%n"
                        + "# bytes/conn  instances/conn  class%n", connections));
        for (Object[] row : rows) {
            if (Math.abs((double) row[1]) >= 1) {
                out.append(String.format(Locale.ROOT, "%10.1f  %8.3f  %s%n", row[1], row[2], row[0]));
            }
        }
        out.append(String.format(Locale.ROOT, "%10.1f  total%n", total));
        return out.toString();
    }
}
