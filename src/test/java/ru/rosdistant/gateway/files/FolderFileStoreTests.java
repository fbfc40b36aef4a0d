package ru.rosdistant.gateway.files;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import ru.rosdistant.gateway.widget.Uploads;

import static org.assertj.core.api.Assertions.assertThat;

/** The folder store on a real file system: what it keeps, what it leaves behind when an upload fails. */
class FolderFileStoreTests {

    @TempDir
    Path dir;

    @Test
    void aFileIsWrittenChunkByChunkWithItsSizeAndChecksumAndReadBackIdentically() {
        FolderFileStore store = store();
        byte[] content = Uploads.random(1_000_003, 41);
        StoredFile stored = store.put(Uploads.chunks(content), content.length).block(Duration.ofSeconds(30));
        assertThat(stored.size()).isEqualTo(content.length);
        assertThat(stored.sha256()).isEqualTo(Uploads.sha256(content));
        assertThat(files()).containsExactly(dir.resolve(stored.key()));
        StepVerifier.create(DataBufferUtils.join(store.open(stored.key())).map(FolderFileStoreTests::bytes))
                .expectNextMatches(read -> java.util.Arrays.equals(read, content))
                .expectComplete()
                .verify(Duration.ofSeconds(30));
        StepVerifier.create(store.delete(stored.key())).expectComplete().verify(Duration.ofSeconds(10));
        assertThat(files()).isEmpty();
    }

    @Test
    void contentPastTheLimitFailsAsTooLargeStopsReadingAndLeavesNoFile() {
        FolderFileStore store = store();
        java.util.concurrent.atomic.AtomicInteger sent = new java.util.concurrent.atomic.AtomicInteger();
        Flux<DataBuffer> endless = Flux.<DataBuffer>generate(sink -> sink.next(
                        DefaultDataBufferFactory.sharedInstance.wrap(new byte[64 * 1024])))
                .doOnNext(chunk -> sent.incrementAndGet());
        StepVerifier.create(store.put(endless, 1024 * 1024))
                .expectError(FileTooLargeException.class)
                .verify(Duration.ofSeconds(30));
        assertThat(sent.get()).as("chunks read: 16 fill the limit, the 17th passes it").isEqualTo(17);
        assertThat(files()).isEmpty();
    }

    @Test
    void anUploadThatBreaksOffOrIsCancelledLeavesNoFile() throws InterruptedException {
        FolderFileStore store = store();
        StepVerifier.create(store.put(Uploads.chunks(new byte[300_000])
                        .concatWith(Flux.error(new IllegalStateException("connection reset"))), 1 << 20))
                .expectError(IllegalStateException.class)
                .verify(Duration.ofSeconds(30));
        StepVerifier.create(store.put(Uploads.chunks(new byte[300_000]).concatWith(Flux.never()), 1 << 20))
                .thenAwait(Duration.ofMillis(300))
                .thenCancel()
                .verify(Duration.ofSeconds(30));
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!files().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(files()).isEmpty();
    }

    @Test
    void partsOlderThanTheSweepAgeAreDeletedAndYoungerOnesKept() throws Exception {
        FolderFileStore store = store();
        Path old = Files.createDirectories(dir.resolve("ab/cd")).resolve("abcd0000000000000000000000000000.part");
        Path young = dir.resolve("ab/cd/abcd1111111111111111111111111111.part");
        Files.write(old, new byte[10]);
        Files.write(young, new byte[10]);
        Files.setLastModifiedTime(old, FileTime.from(Instant.now().minus(Duration.ofHours(1))));
        StepVerifier.create(store.sweepParts(Duration.ofMinutes(10)))
                .expectNext(1L)
                .expectComplete()
                .verify(Duration.ofSeconds(10));
        assertThat(files()).containsExactly(young);
    }

    private FolderFileStore store() {
        return new FolderFileStore(new FileProperties(new FileProperties.Store(dir), 4, 2, Duration.ofSeconds(5),
                Duration.ofMinutes(5), new FileProperties.Quotas(null, null, null, Duration.ofHours(24)),
                Duration.ofMinutes(10)));
    }

    private List<Path> files() {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).toList();
        }
        catch (java.io.IOException ex) {
            throw new java.io.UncheckedIOException(ex);
        }
    }

    private static byte[] bytes(DataBuffer buffer) {
        byte[] bytes = new byte[buffer.readableByteCount()];
        buffer.read(bytes);
        DataBufferUtils.release(buffer);
        return bytes;
    }
}
