package ru.rosdistant.gateway.files;

import java.nio.file.Path;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Files of visitors and messenger users ({@code gateway.files}): where they are stored, how many uploads one
 * node receives at once (and of them from one client address), how long one may take, and the quotas of a
 * dialog, a visitor and a client address.
 */
@ConfigurationProperties("gateway.files")
public record FileProperties(
        @DefaultValue Store store,
        @DefaultValue("4") int maxConcurrentUploads,
        @DefaultValue("2") int maxConcurrentUploadsPerAddress,
        @DefaultValue("5s") Duration retryAfter,
        @DefaultValue("5m") Duration uploadTimeout,
        @DefaultValue Quotas quota,
        @DefaultValue("10m") Duration moveInterval) {

    /** The folder the files are kept in. */
    public record Store(@DefaultValue("./data/files") Path dir) {
    }

    /**
     * What a dialog may hold in all, and what a visitor and a client address may store within {@code window}
     * (the last 24 hours by default).
     */
    public record Quotas(Quota perDialog, Quota perVisitor, Quota perAddress, @DefaultValue("24h") Duration window) {

        public Quotas {
            perDialog = Quota.of(perDialog, 20, DataSize.ofMegabytes(100));
            perVisitor = Quota.of(perVisitor, 50, DataSize.ofMegabytes(200));
            perAddress = Quota.of(perAddress, 200, DataSize.ofGigabytes(1));
        }
    }

    /** How many files and how many bytes in all; what is not set takes the default of its kind. */
    public record Quota(Integer files, DataSize bytes) {

        static Quota of(Quota set, int files, DataSize bytes) {
            return new Quota(set == null || set.files() == null ? files : set.files(),
                    set == null || set.bytes() == null ? bytes : set.bytes());
        }
    }
}
