package ru.rosdistant.gateway.files;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.publisher.Mono;

import org.springframework.stereotype.Component;

/**
 * How many uploads this node receives at once ({@code gateway.files.max-concurrent-uploads}), and how many of
 * them one client address may hold ({@code max-concurrent-uploads-per-address}), so that a few slow uploads
 * from one address cannot keep everyone else's out. One more is turned away at once rather than queued: a
 * queue would hold its connection, and a flood of uploads would take the memory and the database connections
 * the chat needs. Counted in {@code gateway_files_uploads_active} and {@code gateway_files_uploads_refused_total}.
 */
@Component
public class UploadSlots {

    private final int slots;

    private final int perAddress;

    private final Semaphore free;

    /** Uploads under way per client address; an address leaves the map when its last one ends. */
    private final Map<String, Integer> byAddress = new ConcurrentHashMap<>();

    private final Counter refused;

    UploadSlots(FileProperties properties, MeterRegistry meters) {
        this.slots = properties.maxConcurrentUploads();
        this.perAddress = properties.maxConcurrentUploadsPerAddress();
        this.free = new Semaphore(slots);
        Gauge.builder("gateway.files.uploads.active", () -> slots - free.availablePermits()).register(meters);
        this.refused = meters.counter("gateway.files.uploads.refused");
    }

    /**
     * Runs the upload in a free slot, given back when it ends however it ends; {@link NoUploadSlotException}
     * when none is free or the address holds its share. A null address (unknown) counts against the node only.
     */
    public <T> Mono<T> within(String address, Mono<T> upload) {
        return Mono.defer(() -> {
            if (address != null && !takeForAddress(address)) {
                refused.increment();
                return Mono.error(new NoUploadSlotException("This client address sends " + perAddress
                        + " uploads at once already; try again shortly"));
            }
            if (!free.tryAcquire()) {
                giveBackForAddress(address);
                refused.increment();
                return Mono.error(new NoUploadSlotException("The gateway receives " + slots
                        + " uploads at once and all are under way; try again shortly"));
            }
            AtomicBoolean held = new AtomicBoolean(true);
            return upload.doFinally(signal -> {
                if (held.compareAndSet(true, false)) {
                    free.release();
                    giveBackForAddress(address);
                }
            });
        });
    }

    private boolean takeForAddress(String address) {
        boolean[] taken = { false };
        byAddress.compute(address, (key, count) -> {
            int now = count == null ? 0 : count;
            taken[0] = now < perAddress;
            return taken[0] ? now + 1 : count;
        });
        return taken[0];
    }

    private void giveBackForAddress(String address) {
        if (address != null) {
            byAddress.computeIfPresent(address, (key, count) -> count <= 1 ? null : count - 1);
        }
    }
}
