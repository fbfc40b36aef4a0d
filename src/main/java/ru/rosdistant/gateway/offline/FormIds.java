package ru.rosdistant.gateway.offline;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.UUID;

/**
 * Random form ids from a DRBG seeded once at start-up: {@link UUID#randomUUID()} reads /dev/urandom on
 * every call, which is file I/O on an event loop.
 */
final class FormIds {

    private static final SecureRandom random = drbg();

    private FormIds() {
    }

    static UUID uuid() {
        byte[] bytes = new byte[16];
        random.nextBytes(bytes);
        bytes[6] = (byte) ((bytes[6] & 0x0f) | 0x40);
        bytes[8] = (byte) ((bytes[8] & 0x3f) | 0x80);
        long high = 0;
        long low = 0;
        for (int i = 0; i < 8; i++) {
            high = (high << 8) | (bytes[i] & 0xff);
            low = (low << 8) | (bytes[i + 8] & 0xff);
        }
        return new UUID(high, low);
    }

    private static SecureRandom drbg() {
        SecureRandom generator;
        try {
            generator = SecureRandom.getInstance("DRBG");
        }
        catch (NoSuchAlgorithmException ex) {
            generator = new SecureRandom();
        }
        generator.nextBytes(new byte[1]);
        return generator;
    }
}
