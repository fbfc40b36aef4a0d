package ru.rosdistant.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads a server process from outside: heap after a full GC (jcmd), RSS and CPU time (/proc). */
final class ProcProbe {

    private static final Pattern HEAP_USED = Pattern.compile("(?i)heap\\s+total\\s+(\\d+)K,\\s+used\\s+(\\d+)K");

    private static final long TICKS = 100; // USER_HZ on Linux

    private ProcProbe() {
    }

    static String run(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            byte[] out = process.getInputStream().readAllBytes();
            process.waitFor(120, TimeUnit.SECONDS);
            return new String(out, StandardCharsets.UTF_8);
        }
        catch (IOException ex) {
            return "";
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /** Two full GCs, then the used heap in bytes (and committed), as jcmd GC.heap_info prints them. */
    static Map<String, Object> memory(long pid) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (pid <= 0) {
            return out;
        }
        run("jcmd", Long.toString(pid), "GC.run");
        sleep(500);
        run("jcmd", Long.toString(pid), "GC.run");
        sleep(500);
        String info = run("jcmd", Long.toString(pid), "GC.heap_info");
        Matcher matcher = HEAP_USED.matcher(info);
        if (matcher.find()) {
            out.put("heap_committed_bytes", Long.parseLong(matcher.group(1)) * 1024);
            out.put("heap_used_after_gc_bytes", Long.parseLong(matcher.group(2)) * 1024);
        }
        else {
            out.put("heap_info", info);
        }
        out.put("rss_bytes", statusKb(pid, "VmRSS") * 1024);
        out.put("threads", statusKb(pid, "Threads"));
        out.put("open_fds", openFds(pid));
        return out;
    }

    /** RSS, threads and open files of a process that is not a JVM (BEAM: no separate heap to read). */
    static Map<String, Object> resident(long pid) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (pid > 0) {
            out.put("rss_bytes", statusKb(pid, "VmRSS") * 1024);
            out.put("threads", statusKb(pid, "Threads"));
            out.put("open_fds", openFds(pid));
        }
        return out;
    }

    static long statusKb(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.substring(field.length() + 1).trim().split("\\s+")[0]);
                }
            }
        }
        catch (IOException | RuntimeException ex) {
            // gone
        }
        return -1;
    }

    static long openFds(long pid) {
        try (var files = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return files.count();
        }
        catch (IOException ex) {
            return -1;
        }
    }

    /** user+system CPU time of a process, in milliseconds (-1 when it is gone). */
    static long cpuMillis(long pid) {
        return cpuMillis(pid, false);
    }

    /** user+system CPU time of a process, and of its children it waited for if asked, in milliseconds (-1: gone). */
    static long cpuMillis(long pid, boolean withChildren) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
            if (withChildren) {
                ticks += Long.parseLong(fields[13]) + Long.parseLong(fields[14]);
            }
            return ticks * 1000 / TICKS;
        }
        catch (IOException | RuntimeException ex) {
            return -1;
        }
    }

    /**
     * CPU time of a PostgreSQL cluster (postmaster and every backend whose command line names it: the machine's is
     * "15/main", a cluster started with {@code -c cluster_name=X} is X), in milliseconds. Backends and parallel
     * workers that exited are counted too: the postmaster has waited for them, so their time is in its children's
     * time.
     */
    static long postgresCpuMillis(String clusterMarker) {
        long total = 0;
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path proc : (Iterable<Path>) procs::iterator) {
                String name = proc.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    String cmd = Files.readString(proc.resolve("cmdline")).replace('\0', ' ');
                    String comm = Files.readString(proc.resolve("comm")).trim();
                    if (comm.startsWith("postgres") && cmd.contains(clusterMarker)) {
                        long cpu = cpuMillis(Long.parseLong(name), true);
                        if (cpu > 0) {
                            total += cpu;
                        }
                    }
                }
                catch (IOException | RuntimeException ex) {
                    // raced with an exit
                }
            }
        }
        catch (IOException ex) {
            return -1;
        }
        return total;
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }
}
