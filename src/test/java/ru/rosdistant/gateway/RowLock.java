package ru.rosdistant.gateway;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.springframework.core.env.Environment;

/**
 * A row of the embedded database locked from a connection of the test's own ({@code SELECT ... FOR UPDATE} in an
 * open transaction), so that a test can start two requests, see both wait for the row, and let them go at once: the
 * interleaving of a race, made certain instead of hoped for. Closing it rolls back and frees the row.
 */
public final class RowLock implements AutoCloseable {

    private final Connection jdbc;

    private RowLock(Connection jdbc) {
        this.jdbc = jdbc;
    }

    /** Locks the row of {@code table} whose id is {@code id}. */
    public static RowLock of(Environment environment, String table, Object id) throws SQLException {
        Connection jdbc = DriverManager.getConnection("jdbc:postgresql://localhost:"
                + environment.getProperty("gateway.embedded-db.port") + "/postgres", "postgres", "");
        jdbc.setAutoCommit(false);
        String sql = "SELECT 1 FROM " + table + " WHERE id = ?::uuid FOR UPDATE";
        try (PreparedStatement lock = jdbc.prepareStatement(sql)) {
            lock.setString(1, id.toString());
            lock.executeQuery().close();
        }
        return new RowLock(jdbc);
    }

    /** How many sessions wait for this lock, directly or queued behind another waiter. */
    public int waiting() {
        try (PreparedStatement count = jdbc.prepareStatement("""
                WITH RECURSIVE blocked(pid) AS (
                    SELECT pid FROM pg_stat_activity WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))
                    UNION
                    SELECT a.pid FROM pg_stat_activity a JOIN blocked b ON b.pid = ANY(pg_blocking_pids(a.pid)))
                SELECT count(*) FROM blocked""");
                ResultSet rows = count.executeQuery()) {
            rows.next();
            return rows.getInt(1);
        }
        catch (SQLException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * Waits (at most 20 s) until every one of the running requests waits for the row; fails at once, with what it
     * ended with, when one of them ends instead.
     */
    public void awaitWaiting(List<? extends CompletableFuture<?>> running) {
        try {
            Checks.eventually(() -> waiting() >= running.size()
                    || running.stream().anyMatch(CompletableFuture::isDone) ? Boolean.TRUE : null,
                    running.size() + " requests waiting for the locked row");
        }
        catch (AssertionError timedOut) {
            throw new AssertionError(timedOut.getMessage() + "; the database's sessions:" + activity(), timedOut);
        }
        List<String> ended = running.stream()
                .filter(CompletableFuture::isDone)
                .map(request -> request
                        .handle((value, error) -> error != null ? error.toString() : String.valueOf(value))
                        .join())
                .toList();
        if (!ended.isEmpty()) {
            throw new AssertionError("A request ended while the row was locked: " + ended);
        }
    }

    private String activity() {
        StringBuilder out = new StringBuilder();
        try (PreparedStatement sessions = jdbc.prepareStatement("SELECT state, wait_event_type, wait_event, "
                + "left(query, 200) FROM pg_stat_activity WHERE backend_type = 'client backend'");
                ResultSet rows = sessions.executeQuery()) {
            while (rows.next()) {
                out.append("\n  ").append(rows.getString(1)).append(' ').append(rows.getString(2)).append('/')
                        .append(rows.getString(3)).append(' ').append(rows.getString(4));
            }
        }
        catch (SQLException ex) {
            out.append(ex);
        }
        return out.toString();
    }

    @Override
    public void close() throws SQLException {
        try {
            jdbc.rollback();
        }
        finally {
            jdbc.close();
        }
    }
}
