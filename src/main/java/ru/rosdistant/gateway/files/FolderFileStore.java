package ru.rosdistant.gateway.files;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.shared.RandomIds;

/**
 * The file store as a folder ({@code gateway.files.store.dir}). A file is written to {@code <key>.part} through
 * an {@link AsynchronousFileChannel}, one chunk at a time (the next chunk is read from the client only when the
 * last is on disk), and renamed to its key when complete; a failed or cancelled write deletes the part. Keys
 * are random, in two levels of folders ({@code ab/cd/abcd…}) so no folder grows too large. Opening, renaming
 * and deleting touch the file system synchronously and run on {@code boundedElastic}.
 */
@Component
class FolderFileStore implements FileStore {

    private static final Log log = LogFactory.getLog(FolderFileStore.class);

    private static final Pattern KEY = Pattern.compile("[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{32}");

    private static final int READ_CHUNK = 64 * 1024;

    private final Path root;

    FolderFileStore(FileProperties properties) {
        this.root = properties.store().dir().toAbsolutePath().normalize();
    }

    @Override
    public Mono<StoredFile> put(Flux<DataBuffer> content, long maxBytes) {
        return Mono.defer(() -> {
            String key = newKey();
            Path target = path(key);
            Path part = target.resolveSibling(target.getFileName() + ".part");
            Digest digest = new Digest(maxBytes);
            return Mono.usingWhen(open(part), channel -> write(content, channel, digest),
                            this::close, (channel, error) -> close(channel).then(deleteFile(part)),
                            channel -> close(channel).then(deleteFile(part)))
                    .then(Mono.fromCallable(() -> Files.move(part, target, StandardCopyOption.ATOMIC_MOVE))
                            .subscribeOn(Schedulers.boundedElastic()))
                    .onErrorResume(error -> deleteFile(part).then(Mono.error(error)))
                    .then(Mono.fromSupplier(() -> new StoredFile(key, digest.size, digest.hex())));
        });
    }

    /**
     * Deletes parts older than {@code age}: what a node that stopped mid-upload left behind (a running upload
     * is younger than {@code gateway.files.upload-timeout}). The number deleted.
     */
    Mono<Long> sweepParts(Duration age) {
        return Mono.fromCallable(() -> {
                    if (!Files.isDirectory(root)) {
                        return 0L;
                    }
                    Instant before = Instant.now().minus(age);
                    try (Stream<Path> files = Files.find(root, 3, (path, attributes) -> attributes.isRegularFile()
                            && path.getFileName().toString().endsWith(".part")
                            && attributes.lastModifiedTime().toInstant().isBefore(before))) {
                        return files.filter(FolderFileStore::deleteQuietly).count();
                    }
                })
                .subscribeOn(Schedulers.boundedElastic());
    }

    private static boolean deleteQuietly(Path file) {
        try {
            return Files.deleteIfExists(file);
        }
        catch (IOException ex) {
            log.warn("Could not delete " + file + ": " + ex);
            return false;
        }
    }

    @Override
    public Flux<DataBuffer> open(String key) {
        Path file = path(key);
        return DataBufferUtils.readAsynchronousFileChannel(
                        () -> AsynchronousFileChannel.open(file, StandardOpenOption.READ),
                        DefaultDataBufferFactory.sharedInstance, READ_CHUNK)
                .subscribeOn(Schedulers.boundedElastic());
    }

    @Override
    public Mono<Void> delete(String key) {
        return deleteFile(path(key));
    }

    private Mono<AsynchronousFileChannel> open(Path part) {
        return Mono.fromCallable(() -> {
                    Files.createDirectories(part.getParent());
                    return AsynchronousFileChannel.open(part, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                })
                .subscribeOn(Schedulers.boundedElastic());
    }

    private static Mono<Void> write(Flux<DataBuffer> content, AsynchronousFileChannel channel, Digest digest) {
        Flux<DataBuffer> counted = content.handle((buffer, sink) -> {
            if (digest.add(buffer)) {
                sink.next(buffer);
            }
            else {
                DataBufferUtils.release(buffer);
                sink.error(new FileTooLargeException(digest.limit));
            }
        });
        return DataBufferUtils.write(counted, channel)
                .doOnNext(DataBufferUtils::release)
                .then();
    }

    private Mono<Void> close(AsynchronousFileChannel channel) {
        return Mono.<Void>fromRunnable(() -> {
                    try {
                        channel.close();
                    }
                    catch (IOException ex) {
                        throw new UncheckedIOException(ex);
                    }
                })
                .subscribeOn(Schedulers.boundedElastic());
    }

    private static Mono<Void> deleteFile(Path file) {
        return Mono.<Void>fromRunnable(() -> {
                    try {
                        Files.deleteIfExists(file);
                    }
                    catch (IOException ex) {
                        log.warn("Could not delete " + file + ": " + ex);
                    }
                })
                .subscribeOn(Schedulers.boundedElastic());
    }

    private Path path(String key) {
        if (key == null || !KEY.matcher(key).matches()) {
            throw new IllegalArgumentException("Not a key of this store: " + key);
        }
        return root.resolve(key);
    }

    private static String newKey() {
        String id = RandomIds.uuid().toString().replace("-", "");
        return id.substring(0, 2) + "/" + id.substring(2, 4) + "/" + id;
    }

    /** The size and SHA-256 of what has passed so far. */
    private static final class Digest {

        private final MessageDigest sha;

        private final long limit;

        private long size;

        Digest(long limit) {
            this.limit = limit;
            try {
                this.sha = MessageDigest.getInstance("SHA-256");
            }
            catch (NoSuchAlgorithmException ex) {
                throw new IllegalStateException(ex);
            }
        }

        /** Takes the chunk into the digest; false when it brings the size past the limit. */
        boolean add(DataBuffer buffer) {
            size += buffer.readableByteCount();
            if (size > limit) {
                return false;
            }
            try (DataBuffer.ByteBufferIterator chunks = buffer.readableByteBuffers()) {
                while (chunks.hasNext()) {
                    sha.update(chunks.next());
                }
            }
            return true;
        }

        String hex() {
            return HexFormat.of().formatHex(sha.digest());
        }
    }
}
