package ru.rosdistant.gateway.report;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.r2dbc.spi.Connection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Lowers the CPU priority of a report connection's PostgreSQL backend ({@code gateway.report.backend-nice}), once,
 * when the pool opens the connection: it reads {@code pg_backend_pid()} and the server's address of the connection,
 * and, when the setting and the address allow, runs {@code renice N -p PID} off the event loop. A backend is a process
 * of its own for the life of its connection, so the priority stays with this connection and ends with it. Never fails
 * the connection: what cannot be done (a database on another host, another user's process, no {@code renice}) is
 * logged once, at info, and the reports run at the server's priority.
 */
final class BackendPriority {

    private static final Logger log = LoggerFactory.getLogger(BackendPriority.class);

    private final BackendNice nice;

    private final AtomicBoolean told = new AtomicBoolean();

    private final AtomicBoolean lowered = new AtomicBoolean();

    BackendPriority(BackendNice nice) {
        this.nice = nice;
    }

    /** The backend of a connection: its process id and the server's address ({@code null}: a Unix socket). */
    record Backend(int pid, String address) {
    }

    /** Lowers the priority of the connection's backend if the setting says so; completes when done or given up. */
    Mono<Void> lower(Connection connection) {
        if (nice.off()) {
            return Mono.empty();
        }
        return Flux.from(connection
                        .createStatement("SELECT pg_backend_pid() AS pid, host(inet_server_addr()) AS address")
                        .execute())
                .flatMap(result -> result.map((row, meta) -> new Backend(row.get("pid", Integer.class),
                        row.get("address", String.class))))
                .next()
                .publishOn(Schedulers.boundedElastic())
                .doOnNext(this::lower)
                .then()
                .onErrorResume(error -> {
                    tell("could not read the backend's process id: " + error);
                    return Mono.empty();
                });
    }

    /** Lowers one backend's priority (blocking: runs a process); says once why not when it cannot. */
    void lower(Backend backend) {
        if (nice.auto() && !local(backend.address())) {
            tell("the database is reached at " + backend.address() + ", not on this host");
            return;
        }
        Optional<ProcessHandle> process = ProcessHandle.of(backend.pid());
        if (process.isEmpty()) {
            tell("no process " + backend.pid() + " on this host (the database runs elsewhere or in a container)");
            return;
        }
        if (!postgres(process.get())) {
            tell("process " + backend.pid() + " of this host is not a PostgreSQL backend (the database runs "
                    + "elsewhere or in a container)");
            return;
        }
        try {
            Process renice = new ProcessBuilder("renice", String.valueOf(nice.niceness()), "-p",
                    String.valueOf(backend.pid()))
                    .redirectErrorStream(true)
                    .start();
            renice.getOutputStream().close();
            String said = new String(renice.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!renice.waitFor(10, TimeUnit.SECONDS)) {
                renice.destroyForcibly();
                tell("renice did not answer in 10 s");
                return;
            }
            if (renice.exitValue() != 0) {
                tell("renice " + nice.niceness() + " -p " + backend.pid() + " answered " + renice.exitValue() + ": "
                        + said);
                return;
            }
            if (lowered.compareAndSet(false, true)) {
                log.info("The report connections' PostgreSQL backends run at nice {} (gateway.report.backend-nice), "
                        + "the first is process {}", nice.niceness(), backend.pid());
            }
            else {
                log.debug("Report backend {} lowered to nice {}", backend.pid(), nice.niceness());
            }
        }
        catch (IOException ex) {
            tell("renice could not be run: " + ex.getMessage());
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            tell("interrupted while running renice");
        }
    }

    /** A Unix socket, or an address of this host's loopback. */
    static boolean local(String address) {
        if (address == null) {
            return true;
        }
        try {
            // an address literal: no name lookup
            return InetAddress.getByName(address).isLoopbackAddress();
        }
        catch (IOException ex) {
            return false;
        }
    }

    /**
     * Whether a process of this host is a PostgreSQL server process: its executable (or, when another user's is not
     * readable, the title a backend writes over its command line: "postgres: user db host ...") is postgres.
     */
    static boolean postgres(ProcessHandle process) {
        ProcessHandle.Info info = process.info();
        String name = info.command().or(info::commandLine).map(command -> {
            String first = command.strip().split("\\s", 2)[0];
            Path file = Path.of(first).getFileName();
            return file == null ? first : file.toString();
        }).orElse("");
        return name.startsWith("postgres");
    }

    private void tell(String why) {
        if (told.compareAndSet(false, true)) {
            log.info("The report connections' PostgreSQL backends run at the server's priority, not nice {} "
                    + "(gateway.report.backend-nice={}): {}", nice.niceness(), nice.auto() ? "auto" : nice.niceness(),
                    why);
        }
    }
}
