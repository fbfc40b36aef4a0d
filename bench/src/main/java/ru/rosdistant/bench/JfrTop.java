package ru.rosdistant.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jdk.jfr.consumer.RecordedClass;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Summarises a JFR recording of the gateway: where the CPU samples are (self and inclusive, and by
 * library), what is allocated and from where, and what GC cost. {@code jfr print} shows the same
 * events one by one; this adds them up.
 */
final class JfrTop {

    private static final List<String[]> GROUPS = List.of(
            new String[] {"ru.rosdistant.", "gateway code"},
            new String[] {"io.r2dbc.", "r2dbc (pool, postgresql driver)"},
            new String[] {"io.netty.", "netty"},
            new String[] {"reactor.netty.", "reactor-netty"},
            new String[] {"reactor.", "reactor-core"},
            new String[] {"tools.jackson.", "jackson"},
            new String[] {"com.fasterxml.jackson.", "jackson"},
            new String[] {"org.springframework.security.", "spring security"},
            new String[] {"org.springframework.r2dbc.", "spring r2dbc/tx"},
            new String[] {"org.springframework.transaction.", "spring r2dbc/tx"},
            new String[] {"org.springframework.", "spring (web, core)"},
            new String[] {"io.micrometer.", "micrometer"},
            new String[] {"ch.qos.logback.", "logging"},
            new String[] {"org.slf4j.", "logging"});

    static void main(Args args) throws IOException {
        Path file = Path.of(args.required("file"));
        int top = args.integer("top", 25);
        // --rate R: the messages per second the gateway took during the recording (the chat's steady rate), to give
        // the exact bytes allocated per message; --stack-depth D: allocation sites as their D innermost frames
        double rate = args.dbl("rate", 0);
        // --messages N: the messages acknowledged during the recording (the chat's "jfr_acks"), better than --rate
        long messages = args.longValue("messages", 0);
        int depth = args.integer("stack-depth", 0);
        Map<String, Long> allocByStack = new HashMap<>();
        long firstStatistics = Long.MAX_VALUE;
        long lastStatistics = Long.MIN_VALUE;
        Map<String, Long> self = new HashMap<>();
        Map<String, Long> inclusive = new HashMap<>();
        Map<String, Long> byGroup = new HashMap<>();
        Map<String, Long> byThread = new HashMap<>();
        Map<String, Long> allocByClass = new HashMap<>();
        Map<String, Long> allocBySite = new HashMap<>();
        long samples = 0;
        long allocTotal = 0;
        long gcCount = 0;
        long gcNanos = 0;
        long gcPauseNanos = 0;
        // exact bytes allocated per thread: jdk.ThreadAllocationStatistics is written at the start and at the end of
        // the recording (period everyChunk); the difference is what the thread allocated in between
        Map<Long, long[]> allocatedByThread = new HashMap<>();
        Map<Long, String> threadNames = new HashMap<>();
        for (RecordedEvent event : RecordingFile.readAllEvents(file)) {
            String type = event.getEventType().getName();
            switch (type) {
                case "jdk.ExecutionSample" -> {
                    RecordedStackTrace stack = event.getStackTrace();
                    if (stack == null || stack.getFrames().isEmpty()) {
                        continue;
                    }
                    samples++;
                    List<RecordedFrame> frames = stack.getFrames();
                    self.merge(name(frames.get(0)), 1L, Long::sum);
                    byGroup.merge(group(frames), 1L, Long::sum);
                    Set<String> seen = new HashSet<>();
                    for (RecordedFrame frame : frames) {
                        String n = name(frame);
                        if (seen.add(n)) {
                            inclusive.merge(n, 1L, Long::sum);
                        }
                    }
                    String thread = event.getThread("sampledThread") == null ? "?"
                            : event.getThread("sampledThread").getJavaName();
                    byThread.merge(thread == null ? "?" : thread.replaceAll("-\\d+$", "-N"), 1L, Long::sum);
                }
                case "jdk.ObjectAllocationSample" -> {
                    long weight = event.getLong("weight");
                    allocTotal += weight;
                    RecordedClass cls = event.getClass("objectClass");
                    allocByClass.merge(cls == null ? "?" : cls.getName(), weight, Long::sum);
                    RecordedStackTrace stack = event.getStackTrace();
                    if (stack != null) {
                        allocBySite.merge(firstNonJdk(stack.getFrames()), weight, Long::sum);
                        if (depth > 0) {
                            allocByStack.merge((cls == null ? "?" : cls.getName()) + " <- "
                                    + stackOf(stack.getFrames(), depth), weight, Long::sum);
                        }
                    }
                }
                case "jdk.ThreadAllocationStatistics" -> {
                    if (event.getThread("thread") == null) {
                        continue;
                    }
                    long id = event.getThread("thread").getId();
                    long allocated = event.getLong("allocated");
                    long at = event.getStartTime().toEpochMilli();
                    firstStatistics = Math.min(firstStatistics, at);
                    lastStatistics = Math.max(lastStatistics, at);
                    threadNames.put(id, String.valueOf(event.getThread("thread").getJavaName()));
                    allocatedByThread.merge(id, new long[] {allocated, allocated},
                            (a, b) -> new long[] {Math.min(a[0], b[0]), Math.max(a[1], b[1])});
                }
                case "jdk.GarbageCollection" -> {
                    gcCount++;
                    gcNanos += event.getDuration().toNanos();
                    gcPauseNanos += event.getDuration("sumOfPauses").toNanos();
                }
                default -> {
                }
            }
        }
        StringBuilder out = new StringBuilder();
        out.append("CPU samples: ").append(samples).append('\n');
        section(out, "CPU by library (top frame; JDK frames charged to their nearest non-JDK caller)", byGroup, samples, top);
        section(out, "CPU self (top frame)", self, samples, top);
        section(out, "CPU inclusive (method anywhere on the stack)", inclusive, samples, top * 2);
        section(out, "CPU by thread", byThread, samples, top);
        out.append(String.format("%nAllocation (sampled weight): %.1f MB%n", allocTotal / 1e6));
        section(out, "Allocated bytes by class", allocByClass, allocTotal, top);
        section(out, "Allocated bytes by first non-JDK frame", allocBySite, allocTotal, top);
        if (depth > 0) {
            section(out, "Allocated bytes by class and stack (" + depth + " innermost frames)", allocByStack,
                    allocTotal, top);
        }
        Map<String, Long> exactByThread = new HashMap<>();
        long exactTotal = 0;
        for (Map.Entry<Long, long[]> e : allocatedByThread.entrySet()) {
            long bytes = e.getValue()[1] - e.getValue()[0];
            exactTotal += bytes;
            exactByThread.merge(threadNames.get(e.getKey()).replaceAll("-\\d+$", "-N"), bytes, Long::sum);
        }
        out.append(String.format("%nAllocated, exact (jdk.ThreadAllocationStatistics, threads alive at both ends): %d bytes%n",
                exactTotal));
        if (lastStatistics > firstStatistics) {
            double seconds = (lastStatistics - firstStatistics) / 1000.0;
            out.append(String.format("over %.1f s between the first and the last statistics event%n", seconds));
            if (messages > 0) {
                out.append(String.format("Allocated per message: %.0f bytes (%d messages)%n",
                        exactTotal / (double) messages, messages));
            }
            else if (rate > 0) {
                out.append(String.format("Allocated per message: %.0f bytes (at %.0f msg/s)%n",
                        exactTotal / (rate * seconds), rate));
            }
        }
        section(out, "Allocated bytes by thread", exactByThread, exactTotal, top);
        exactByThread.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()))
                .limit(top)
                .forEach(e -> out.append(String.format("  %,15d B  %s%n", e.getValue(), e.getKey())));
        out.append(String.format("%nGC: %d collections, %.0f ms total, %.0f ms paused%n", gcCount, gcNanos / 1e6,
                gcPauseNanos / 1e6));
        System.out.print(out);
    }

    private static void section(StringBuilder out, String title, Map<String, Long> counts, long total, int top) {
        out.append('\n').append(title).append('\n');
        counts.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()))
                .limit(top)
                .forEach(e -> out.append(String.format("  %6.2f%%  %s%n", 100.0 * e.getValue() / Math.max(1, total),
                        e.getKey())));
    }

    private static String name(RecordedFrame frame) {
        if (frame.getMethod() == null) {
            return "?";
        }
        return frame.getMethod().getType().getName() + "." + frame.getMethod().getName();
    }

    private static String stackOf(List<RecordedFrame> frames, int depth) {
        StringBuilder stack = new StringBuilder();
        for (int i = 0; i < Math.min(depth, frames.size()); i++) {
            if (i > 0) {
                stack.append(" < ");
            }
            String n = name(frames.get(i));
            stack.append(n.replaceAll("^(?:[a-z0-9_]+\\.)+", ""));
        }
        return stack.toString();
    }

    private static boolean isJdk(String name) {
        return name.startsWith("java.") || name.startsWith("jdk.") || name.startsWith("sun.")
                || name.startsWith("com.sun.");
    }

    private static String firstNonJdk(List<RecordedFrame> frames) {
        for (RecordedFrame frame : frames) {
            String n = name(frame);
            if (!isJdk(n)) {
                return n;
            }
        }
        return frames.isEmpty() ? "?" : name(frames.get(0));
    }

    private static String group(List<RecordedFrame> frames) {
        String top = name(frames.get(0));
        String owner = firstNonJdk(frames);
        String prefix = isJdk(top) ? "jdk in " : "";
        for (String[] group : GROUPS) {
            if (owner.startsWith(group[0])) {
                return prefix + group[1];
            }
        }
        return prefix + "other (" + owner.replaceAll("^((?:[a-z0-9_]+\\.){1,3}).*$", "$1") + ")";
    }
}
