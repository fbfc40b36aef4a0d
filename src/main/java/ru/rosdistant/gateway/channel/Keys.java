package ru.rosdistant.gateway.channel;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Platform ids fitted into our columns: a key longer than the column allows is replaced by its hash. */
final class Keys {

    private Keys() {
    }

    /**
     * A random UUID for rows that are reached only by logged-in staff. {@code UUID.randomUUID()} may block
     * on the entropy source, which an event loop must not.
     */
    static java.util.UUID uuid() {
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        long high = (random.nextLong() & ~0xF000L) | 0x4000L;
        long low = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new java.util.UUID(high, low);
    }

    static String fit(String key, int max) {
        if (key.length() <= max) {
            return key;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return ("h:" + HexFormat.of().formatHex(digest)).substring(0, Math.min(max, 66));
        }
        catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
