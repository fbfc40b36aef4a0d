package ru.rosdistant.gateway;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * What BlockHound may let pass on the event loops in the tests. Netty 4.2's adaptive allocator takes a
 * {@code StampedLock} write lock when it grows its magazines under allocation pressure: a lock held for a
 * few instructions, by design (not I/O). Under the REST fuzz drill's load BlockHound threw inside Netty's read
 * of a channel, which killed that connection (an R2DBC connection or an HTTP request left without an answer).
 * Jackson builds the deserializer of a type on its first use under a {@code ReentrantLock}: two requests that
 * first read the same body type at once park one of them for that build (a 500 in the REST loops before).
 */
public final class TestBlockHoundIntegration implements BlockHoundIntegration {

    @Override
    public void applyTo(BlockHound.Builder builder) {
        builder.allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$MagazineGroup",
                "tryExpandMagazines");
        builder.allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$Magazine", "free");
        builder.allowBlockingCallsInside("tools.jackson.databind.deser.DeserializerCache",
                "_createAndCacheValueDeserializer");
    }
}
