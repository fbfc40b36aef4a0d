package ru.rosdistant.gateway.task;

/**
 * A task was completed with its result: by its owner or a supervisor, or by the ticket desk when the request was
 * resolved there ({@code byTicketDesk}; the result is then the desk's solution). What the person is told of it
 * follows from this event.
 */
public record TaskCompleted(Task task, boolean byTicketDesk) {
}
