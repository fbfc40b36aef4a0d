package ru.rosdistant.gateway.files;

import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.publisher.Mono;

import org.springframework.stereotype.Component;

/**
 * How many uploads this node receives at once ({@code gateway.files.max-concurrent-uploads}). One more is
 * turned away at once rather than queued: a queue would hold its connection, and a flood of uploads would
 * take the memory and the database connections the chat needs. Counted in
 * {@code gateway_files_uploads_active} and {@code gateway_files_uploads_refused_total}.
 */
@Component
public class UploadSlots {

    private final int slots;

    private final Semaphore free;

    private final Counter refused;

    UploadSlots(FileProperties properties, MeterRegistry meters) {
        this.slots = properties.maxConcurrentUploads();
        this.free = new Semaphore(slots);
        Gauge.builder("gateway.files.uploads.active", () -> slots - free.availablePermits()).register(meters);
        this.refused = meters.counter("gateway.files.uploads.refused");
    }

    /** Runs the upload in a free slot, given back when it ends however it ends; {@link NoUploadSlotException} when none is free. */
    public <T> Mono<T> within(Mono<T> upload) {
        return Mono.defer(() -> {
            if (!free.tryAcquire()) {
                refused.increment();
                return Mono.error(new NoUploadSlotException(slots));
            }
            AtomicBoolean held = new AtomicBoolean(true);
            return upload.doFinally(signal -> {
                if (held.compareAndSet(true, false)) {
                    free.release();
                }
            });
        });
    }
}
