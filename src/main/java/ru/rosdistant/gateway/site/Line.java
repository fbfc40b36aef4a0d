package ru.rosdistant.gateway.site;

/** A waiting line of agents: applicant recruitment, student affairs, the dispatcher, the marketing centre. */
public record Line(String id, String name) {
}
