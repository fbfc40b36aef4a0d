package ru.rosdistant.bench;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * What the generator knows about every chat message it sent: acknowledged or not, delivered to the
 * other side how often, and the latencies (microseconds) of those that were sent inside the
 * measurement window.
 */
final class Tracker {

    static final class Sent {
        final String dialogId;
        final String sender;
        final long sentNanos;
        final AtomicInteger acks = new AtomicInteger();
        final AtomicInteger duplicateAcks = new AtomicInteger();
        final AtomicInteger peerDeliveries = new AtomicInteger();
        /** the client that got it first; a delivery to another client (the dialog's next agent) is not a duplicate */
        Object firstReceiver;
        /** deliveries of it to the client that had it already (a duplicate, whatever seq it came with) */
        final AtomicInteger againToSameReceiver = new AtomicInteger();
        /** deliveries of it to clients other than the first (an agent that took the dialog over reads its history) */
        final AtomicInteger toOtherReceivers = new AtomicInteger();
        /** the node the sender's socket was on when it sent (bench/drill-cluster.sh), or null */
        volatile String senderNode;
        /** when the first ack came (System.nanoTime()), 0 before */
        volatile long firstAckNanos;

        Sent(String dialogId, String sender, long sentNanos) {
            this.dialogId = dialogId;
            this.sender = sender;
            this.sentNanos = sentNanos;
        }
    }

    final Map<String, Sent> sent = new ConcurrentHashMap<>();

    /** visitor → agent: from the visitor's send to the agent receiving the message frame */
    final Histogram visitorToAgent = histogram();

    /** agent → visitor */
    final Histogram agentToVisitor = histogram();

    /** send → ack on the same socket (the store round trip as the sender sees it) */
    final Histogram visitorAck = histogram();

    final Histogram agentAck = histogram();

    final LongAdder acksInWindow = new LongAdder();

    /** messages acknowledged so far (first acks), to count those of a JFR recording */
    final LongAdder acksTotal = new LongAdder();

    final LongAdder sentInWindow = new LongAdder();

    final LongAdder unknownAcks = new LongAdder();

    final LongAdder unknownDeliveries = new LongAdder();

    final Map<String, LongAdder> errors = new ConcurrentHashMap<>();

    /** The error frames seen so far, by code. */
    Map<String, Long> errorCounts() {
        Map<String, Long> counts = new java.util.HashMap<>();
        errors.forEach((code, count) -> counts.put(code, count.sum()));
        return counts;
    }

    volatile long windowStart = Long.MAX_VALUE;

    /** per 100 ms of send time inside the window: the slowest visitor→agent or agent→visitor delivery (µs) */
    final java.util.concurrent.atomic.AtomicLongArray slowestPerSlot = new java.util.concurrent.atomic.AtomicLongArray(6000);

    /** per 100 ms of send time: deliveries slower than 100 ms */
    final java.util.concurrent.atomic.AtomicLongArray slowPerSlot = new java.util.concurrent.atomic.AtomicLongArray(6000);

    volatile long windowEnd = Long.MAX_VALUE;

    private static Histogram histogram() {
        return new ConcurrentHistogram(3_600_000_000L, 3);
    }

    boolean inWindow(long nanos) {
        return nanos >= windowStart && nanos < windowEnd;
    }

    void recordSent(String clientMsgId, String dialogId, String sender, long nanos) {
        sent.put(clientMsgId, new Sent(dialogId, sender, nanos));
        if (inWindow(nanos)) {
            sentInWindow.increment();
        }
    }

    void recordAck(String clientMsgId, boolean duplicate) {
        long now = System.nanoTime();
        Sent message = sent.get(clientMsgId);
        if (message == null) {
            unknownAcks.increment();
            return;
        }
        if (duplicate) {
            message.duplicateAcks.incrementAndGet();
        }
        if (message.acks.incrementAndGet() == 1) {
            message.firstAckNanos = now;
            acksTotal.increment();
            if (inWindow(now)) {
                acksInWindow.increment();
            }
            if (inWindow(message.sentNanos)) {
                (message.sender.equals("VISITOR") ? visitorAck : agentAck).recordValue((now - message.sentNanos) / 1000);
            }
        }
    }

    /**
     * A message frame reached the other side ({@code receiver}: the client object that got it); the send time is
     * read from the text, as a user would see it. A second delivery to the same client is a duplicate; a delivery to
     * another client is the history an agent who took the dialog over reads, counted apart.
     */
    void recordDelivery(String clientMsgId, String text, boolean toAgent, Object receiver) {
        long now = System.nanoTime();
        Sent message = clientMsgId == null ? null : sent.get(clientMsgId);
        if (message == null) {
            unknownDeliveries.increment();
            return;
        }
        synchronized (message) {
            if (message.firstReceiver == null) {
                message.firstReceiver = receiver;
            }
            else if (message.firstReceiver == receiver) {
                message.againToSameReceiver.incrementAndGet();
            }
            else {
                message.toOtherReceivers.incrementAndGet();
            }
        }
        if (message.peerDeliveries.incrementAndGet() == 1) {
            long sentAt = stampOf(text);
            if (inWindow(sentAt)) {
                long micros = (now - sentAt) / 1000;
                (toAgent ? visitorToAgent : agentToVisitor).recordValue(micros);
                int slot = (int) Math.min(slowestPerSlot.length() - 1, (sentAt - windowStart) / 100_000_000L);
                slowestPerSlot.accumulateAndGet(slot, micros, Math::max);
                if (micros > 100_000) {
                    slowPerSlot.incrementAndGet(slot);
                }
            }
        }
    }

    /** The ids of the messages acknowledged so far. */
    java.util.Set<String> ackedIds() {
        java.util.Set<String> out = new java.util.HashSet<>();
        sent.forEach((id, message) -> {
            if (message.acks.get() > 0) {
                out.add(id);
            }
        });
        return out;
    }

    /** The ids of the messages delivered to the other side so far. */
    java.util.Set<String> deliveredIds() {
        java.util.Set<String> out = new java.util.HashSet<>();
        sent.forEach((id, message) -> {
            if (message.peerDeliveries.get() > 0) {
                out.add(id);
            }
        });
        return out;
    }

    void recordError(String code) {
        errors.computeIfAbsent(code, c -> new LongAdder()).increment();
    }

    /** Texts are {@code "bench <nanoTime> …"}. */
    static long stampOf(String text) {
        if (text == null || !text.startsWith("bench ")) {
            return Long.MIN_VALUE;
        }
        int end = text.indexOf(' ', 6);
        return Long.parseLong(end < 0 ? text.substring(6) : text.substring(6, end));
    }

    /** The 100 ms slots whose slowest delivery took over 100 ms: "t=12.3s max=456ms slow=789". */
    java.util.List<String> slowSlots() {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (int i = 0; i < slowestPerSlot.length(); i++) {
            long max = slowestPerSlot.get(i);
            if (max > 100_000) {
                out.add(String.format(java.util.Locale.ROOT, "t=%.1fs max=%dms slow=%d", i / 10.0, max / 1000, slowPerSlot.get(i)));
            }
        }
        return out;
    }

    /**
     * Acknowledged vs delivered, over every message sent: the correctness counts both scenarios report.
     * {@code excused} picks unacknowledged messages that are not a fault (counted apart as {@code unackedExcused}).
     */
    Tally tally(java.util.function.Predicate<Sent> excused) {
        long acked = 0;
        long unacked = 0;
        long unackedExcused = 0;
        long multiAcked = 0;
        long duplicateFlagged = 0;
        long notDelivered = 0;
        long deliveredTwice = 0;
        long deliveredToAnother = 0;
        for (Sent message : sent.values()) {
            int acks = message.acks.get();
            if (acks == 0) {
                if (excused.test(message)) {
                    unackedExcused++;
                }
                else {
                    unacked++;
                }
                continue;
            }
            acked++;
            if (acks > 1) {
                multiAcked++;
            }
            if (message.duplicateAcks.get() > 0) {
                duplicateFlagged++;
            }
            if (message.peerDeliveries.get() == 0) {
                notDelivered++;
            }
            if (message.againToSameReceiver.get() > 0) {
                deliveredTwice++;
            }
            if (message.toOtherReceivers.get() > 0) {
                deliveredToAnother++;
            }
        }
        return new Tally(acked, unacked, unackedExcused, multiAcked, duplicateFlagged, notDelivered, deliveredTwice,
                deliveredToAnother);
    }

    /**
     * {@code deliveredTwice}: messages a client got more than once; {@code deliveredToAnother}: messages that also
     * reached a second client of the other side (the dialog moved to another agent, who reads its history).
     */
    record Tally(long acked, long unacked, long unackedExcused, long ackedMoreThanOnce, long ackedAsDuplicate,
            long notDelivered, long deliveredTwice, long deliveredToAnother) {
    }

    static Map<String, Object> summary(Histogram recording) {
        // a copy: deliveries may still be recorded when the drain gave up, and reading a histogram being written throws
        Histogram h = recording.copy();
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        out.put("count", h.getTotalCount());
        out.put("p50_ms", h.getValueAtPercentile(50) / 1000.0);
        out.put("p95_ms", h.getValueAtPercentile(95) / 1000.0);
        out.put("p99_ms", h.getValueAtPercentile(99) / 1000.0);
        out.put("max_ms", h.getMaxValue() / 1000.0);
        out.put("mean_ms", Math.round(h.getMean()) / 1000.0);
        return out;
    }
}
