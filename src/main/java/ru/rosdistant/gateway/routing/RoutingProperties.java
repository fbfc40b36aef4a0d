package ru.rosdistant.gateway.routing;

import java.time.Duration;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param agentGracePeriod how long a dropped agent may take to come back before their dialogs return to
 * the waiting line
 * @param sweepInterval how often every line is re-examined (max waits, missed triggers, queue positions)
 * @param defaults the policy of a line that has none of its own
 * @param lines per line id, what differs from the defaults
 */
@ConfigurationProperties("gateway.routing")
record RoutingProperties(@DefaultValue("60s") Duration agentGracePeriod, @DefaultValue("5s") Duration sweepInterval,
        @DefaultValue LinePolicy defaults,
        @DefaultValue Map<String, LinePolicy> lines) {

    /**
     * @param offerTimeout zero assigns at once; otherwise the dialog is offered and an agent who does not
     * accept in time is passed over
     * @param maxWait after this long in the waiting line the visitor is offered the offline form
     * @param queueOnOpen whether a widget dialog joins the waiting line when it is opened; by default (false) it
     * joins with the visitor's first message, so an opened dialog nobody wrote in takes nobody's place
     */
    record LinePolicy(Strategy strategy, Duration offerTimeout, Duration maxWait, Boolean queueOnOpen) {
    }

    LinePolicy policy(String line) {
        LinePolicy own = lines.get(line);
        Strategy strategy = pick(own == null ? null : own.strategy(), defaults.strategy(), Strategy.LEAST_BUSY);
        Duration offer = pick(own == null ? null : own.offerTimeout(), defaults.offerTimeout(), Duration.ZERO);
        Duration maxWait = pick(own == null ? null : own.maxWait(), defaults.maxWait(), Duration.ofMinutes(5));
        Boolean queueOnOpen = pick(own == null ? null : own.queueOnOpen(), defaults.queueOnOpen(), false);
        return new LinePolicy(strategy, offer, maxWait, queueOnOpen);
    }

    /** Whether any line offers its dialogs (offer-to-all or an offer timeout) rather than assigning them at once. */
    boolean offersAnywhere() {
        return java.util.stream.Stream.concat(java.util.stream.Stream.of(defaults), lines.values().stream())
                .anyMatch(policy -> policy.strategy() == Strategy.OFFER_TO_ALL
                        || (policy.offerTimeout() != null && !policy.offerTimeout().isZero()));
    }

    private static <T> T pick(T own, T fallback, T last) {
        return own != null ? own : fallback != null ? fallback : last;
    }
}
