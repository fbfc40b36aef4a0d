package ru.rosdistant.gateway.cluster;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import org.springframework.context.ConfigurableApplicationContext;

/**
 * Stops a node of a cluster test within a bound. A close that hangs (once seen: a thread waiting on a lock inside
 * Lettuce while the Redis connection factory stopped) would otherwise hold the whole build until its time limit and
 * say nothing; here it fails the test and leaves every thread's stack in target/ for the cause.
 */
final class NodeStops {

    private NodeStops() {
    }

    static void close(ConfigurableApplicationContext node, Duration within) {
        Thread closing = new Thread(node::close, "close-" + node.getId());
        closing.setDaemon(true);
        closing.start();
        try {
            closing.join(within.toMillis());
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (closing.isAlive()) {
            Path dump = threadDump();
            throw new AssertionError("node " + node.getId() + " did not close within " + within
                    + "; every thread's stack: " + dump);
        }
    }

    private static Path threadDump() {
        StringBuilder text = new StringBuilder();
        for (ThreadInfo thread : ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
            text.append('"').append(thread.getThreadName()).append("\" ").append(thread.getThreadState());
            if (thread.getLockName() != null) {
                text.append(" on ").append(thread.getLockName());
            }
            if (thread.getLockOwnerName() != null) {
                text.append(" held by \"").append(thread.getLockOwnerName()).append('"');
            }
            text.append('\n');
            for (StackTraceElement frame : thread.getStackTrace()) {
                text.append("    at ").append(frame).append('\n');
            }
            text.append('\n');
        }
        Path file = Path.of("target", "node-close-hang-" + Instant.now().toEpochMilli() + ".txt");
        try {
            Files.writeString(file, text);
        }
        catch (IOException e) {
            System.err.println(text);
            return Path.of("(stderr)");
        }
        System.err.println(text);
        return file.toAbsolutePath();
    }
}
