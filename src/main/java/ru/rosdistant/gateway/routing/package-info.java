/**
 * Agent presence ({@code AgentPresences}), offers ({@code OfferRounds}), the waiting line as the visitor sees it
 * ({@code QueuePositions}) and the drains of the waiting lines that assign dialogs.
 */
@org.springframework.modulith.ApplicationModule(allowedDependencies = {
        "agent", "cluster", "dialog", "shared", "site" })
package ru.rosdistant.gateway.routing;
