package ru.rosdistant.gateway.system;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.commons.logging.Log;

/**
 * The embedded PostgreSQL's data folder before its server starts. The embedded library locks
 * {@code epg-lock} in the folder for as long as its JVM lives, but its server outlives a JVM that was killed
 * ({@code kill -9}, an OOM kill): the next start would then find the folder's {@code postmaster.pid} taken and
 * give up. So: a folder whose lock a live process holds belongs to another gateway and is refused with one
 * clear message; a server left running by a gateway that is gone is stopped first (a clean shutdown, so
 * nothing it committed is lost).
 */
final class EmbeddedDataFolder {

    static final String LOCK_FILE = "epg-lock";

    private static final Duration ORPHAN_SHUTDOWN = Duration.ofSeconds(60);

    private final Path dir;

    private final Log log;

    EmbeddedDataFolder(Path dir, Log log) {
        this.dir = dir;
        this.log = log;
    }

    /** Refuses a folder another gateway holds, and stops a server that a dead gateway left running. */
    void prepare() {
        refuseIfHeld();
        stopOrphan();
    }

    private void refuseIfHeld() {
        Path lockFile = dir.resolve(LOCK_FILE);
        if (!Files.exists(lockFile)) {
            return;
        }
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                throw new DataFolderInUseException(dir, lockHolder(lockFile).or(this::postmasterPid).orElse(-1L));
            }
            lock.release();
        }
        catch (OverlappingFileLockException ex) {
            throw new DataFolderInUseException(dir, ProcessHandle.current().pid());
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Could not check the lock of the embedded PostgreSQL in " + dir, ex);
        }
    }

    private void stopOrphan() {
        Optional<ProcessHandle> orphan = postmasterPid().flatMap(ProcessHandle::of)
                .filter(ProcessHandle::isAlive)
                .filter(EmbeddedDataFolder::isPostgres);
        if (orphan.isEmpty()) {
            return;
        }
        ProcessHandle postmaster = orphan.get();
        log.warn("The embedded PostgreSQL in " + dir + " (PID " + postmaster.pid()
                + ") was left running by a gateway that ended without stopping it; stopping it before starting");
        List<ProcessHandle> children = postmaster.children().toList();
        postmaster.destroy();
        if (!awaitExit(postmaster, ORPHAN_SHUTDOWN)) {
            log.warn("The embedded PostgreSQL (PID " + postmaster.pid() + ") did not stop within "
                    + ORPHAN_SHUTDOWN.toSeconds() + " s; killing it (it recovers from its log at the next start)");
            postmaster.destroyForcibly();
            children.forEach(ProcessHandle::destroyForcibly);
            awaitExit(postmaster, Duration.ofSeconds(10));
        }
        children.forEach(child -> awaitExit(child, Duration.ofSeconds(10)));
    }

    private static boolean awaitExit(ProcessHandle process, Duration limit) {
        try {
            process.onExit().get(limit.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        }
        catch (TimeoutException ex) {
            return false;
        }
        catch (ExecutionException ex) {
            return !process.isAlive();
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static boolean isPostgres(ProcessHandle process) {
        return process.info()
                .command()
                .map(command -> Path.of(command).getFileName().toString().startsWith("postgres"))
                .orElse(false);
    }

    /** The PID in the first line of {@code postmaster.pid}, if its second line names this folder. */
    private Optional<Long> postmasterPid() {
        Path pidFile = dir.resolve("postmaster.pid");
        try {
            List<String> lines = Files.readAllLines(pidFile);
            if (lines.size() < 2 || !sameFolder(Path.of(lines.get(1).trim()))) {
                return Optional.empty();
            }
            return Optional.of(Long.parseLong(lines.get(0).trim()));
        }
        catch (IOException | NumberFormatException ex) {
            return Optional.empty();
        }
    }

    private boolean sameFolder(Path other) {
        try {
            return Files.isSameFile(dir, other);
        }
        catch (IOException ex) {
            return false;
        }
    }

    /** The process holding a POSIX lock on the file, from Linux's {@code /proc/locks}. */
    private static Optional<Long> lockHolder(Path file) {
        try {
            String inode = ":" + Files.getAttribute(file, "unix:ino");
            Path locks = Path.of("/proc/locks");
            if (!Files.isReadable(locks)) {
                return Optional.empty();
            }
            return Files.readAllLines(locks)
                    .stream()
                    .map(line -> line.trim().split("\\s+"))
                    .filter(fields -> fields.length > 5 && fields[5].endsWith(inode))
                    .map(fields -> Long.parseLong(fields[4]))
                    .findFirst();
        }
        catch (IOException | UnsupportedOperationException | IllegalArgumentException ex) {
            return Optional.empty();
        }
    }
}
