package ru.rosdistant.gateway.routing;

/** How a line picks the agent for its next waiting dialog. */
public enum Strategy {
    /** Fewest open dialogs, then the longest since the last assignment. */
    LEAST_BUSY,
    /** Each available agent in turn. */
    ROUND_ROBIN,
    /** Every available agent sees the dialog; the first to accept takes it. */
    OFFER_TO_ALL
}
