package ru.rosdistant.gateway.task;

import reactor.core.publisher.Mono;

/**
 * The university's ticket desk (iTop), kept outside: here a request number is data that an agent types in.
 * A connector that looks requests up (and could open them) implements this interface later.
 */
public interface TicketDesk {

    /**
     * The request number as it is to be stored, or an error ({@link IllegalArgumentException}) when it is
     * not a number this desk issues.
     */
    Mono<String> checkRequestNumber(String number);
}
