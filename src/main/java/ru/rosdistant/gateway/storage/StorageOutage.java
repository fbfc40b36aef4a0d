package ru.rosdistant.gateway.storage;

import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.R2dbcTransientException;

import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.NonTransientDataAccessResourceException;
import org.springframework.dao.TransientDataAccessException;

/**
 * Tells a database that cannot answer right now (unreachable, pool exhausted, timed out) from a request the
 * database refused: the first is worth trying again (503, a retryable frame), the second is not.
 */
public final class StorageOutage {

    private StorageOutage() {
    }

    public static boolean is(Throwable error) {
        return error instanceof DataAccessResourceFailureException
                || error instanceof NonTransientDataAccessResourceException
                || error instanceof TransientDataAccessException
                || error instanceof R2dbcNonTransientResourceException
                || error instanceof R2dbcTransientException;
    }
}
