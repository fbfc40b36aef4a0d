package ru.rosdistant.gateway.task;

import reactor.core.publisher.Mono;

/**
 * The university's ticket desk («Единое окно», iTop). Without a connection configured a request number is data an
 * agent types in, checked for its form only; with one ({@code gateway.ticket-desk.url}) a typed number must name a
 * request that exists there, and the gateway may register requests itself (see docs/ticket-desk.md).
 */
public interface TicketDesk {

    /**
     * A request: its number as shown to people and, when the desk said it, its own key; {@code unchecked} when the
     * desk could not be asked (the number is kept as typed and checked once the desk answers again).
     */
    record Request(String number, Long key, boolean unchecked) {

        public Request(String number, Long key) {
            this(number, key, false);
        }

        /** A typed number the desk could not check now. */
        public static Request unchecked(String number) {
            return new Request(number, null, true);
        }
    }

    /**
     * The request as it is to be stored, or an error: {@link IllegalArgumentException} when it is not a number
     * this desk issues (malformed, or unknown to the desk); {@link TicketDeskUnavailable} when the desk could not
     * say.
     */
    Mono<Request> checkRequestNumber(String number);

    /** As {@link #checkRequestNumber(String)}, typed by an agent: the desk may bound how often one agent asks it. */
    default Mono<Request> checkRequestNumber(String number, long agentId) {
        return checkRequestNumber(number);
    }

    /** Whether the gateway registers requests in this desk itself (the agent's «create the request» at close). */
    default boolean creates() {
        return false;
    }
}
