package ru.rosdistant.gateway.task;

/** The ticket desk could not answer now (unreachable, a server error, a page instead of its API); try later. */
public class TicketDeskUnavailable extends RuntimeException {

    public TicketDeskUnavailable(String message) {
        super(message);
    }

    public TicketDeskUnavailable(String message, Throwable cause) {
        super(message, cause);
    }
}
