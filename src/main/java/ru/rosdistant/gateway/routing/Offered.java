package ru.rosdistant.gateway.routing;

import java.time.Instant;

import ru.rosdistant.gateway.dialog.Dialog;
import ru.rosdistant.gateway.shared.LiveEvent;

/** A waiting dialog was offered to an agent, who may accept it until {@code expiresAt}. */
public record Offered(Dialog dialog, long agentId, Instant expiresAt) implements LiveEvent {
}
