package ru.rosdistant.gateway.shared;

import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.R2dbcTransientException;
import io.r2dbc.spi.R2dbcTransientResourceException;

import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.NonTransientDataAccessResourceException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.transaction.CannotCreateTransactionException;

/**
 * Tells a database that cannot answer right now (unreachable, pool exhausted, timed out) from a request the
 * database refused: the first is worth trying again (503, a retryable frame), the second is not.
 */
public final class StorageOutage {

    private StorageOutage() {
    }

    public static boolean is(Throwable error) {
        // a transaction that could not begin (no pooled connection in time) wraps the outage as its cause
        if (error instanceof CannotCreateTransactionException && error.getCause() != null) {
            return error.getCause() == error || is(error.getCause()) || unreachable(error.getCause())
                    || error.getCause() instanceof java.util.concurrent.TimeoutException;
        }
        return unreachable(error)
                || error instanceof TransientDataAccessException
                || error instanceof R2dbcTransientException;
    }

    /**
     * The database cannot be reached at all (no connection, or it broke): unlike a deadlock or a timeout of one
     * statement, trying the same work again at once, piece by piece, only fails more slowly.
     */
    public static boolean unreachable(Throwable error) {
        return error instanceof DataAccessResourceFailureException
                || error instanceof NonTransientDataAccessResourceException
                || error instanceof R2dbcNonTransientResourceException
                || error instanceof R2dbcTransientResourceException;
    }
}
