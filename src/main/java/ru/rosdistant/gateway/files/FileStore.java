package ru.rosdistant.gateway.files;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.core.io.buffer.DataBuffer;

/**
 * Where the content of files lives; PostgreSQL keeps only each file's key, size and checksum. The folder on
 * disk ({@link FolderFileStore}) is the one store built; the interface is the seam for an S3-compatible one.
 */
public interface FileStore {

    /**
     * Writes the content chunk by chunk as it arrives, with its SHA-256 taken on the way. Past {@code maxBytes}
     * it stops reading and fails with {@link FileTooLargeException}; on any failure or cancellation nothing is
     * left behind.
     */
    Mono<StoredFile> put(Flux<DataBuffer> content, long maxBytes);

    /** The content of a stored file, in chunks; the caller releases them (a response body does). */
    Flux<DataBuffer> open(String key);

    /** Removes a file; a key that is not there is no error. */
    Mono<Void> delete(String key);
}
