/**
 * Follow-up tasks (regulation 4.3): "report the result of request N" and "report the answer to complaint N",
 * due in working days, escalated to the line's supervisor when overdue; the ticket desk behind one small
 * interface.
 */
@org.springframework.modulith.ApplicationModule(allowedDependencies = {
        "agent", "card", "cluster", "dialog", "mail", "outbox", "shared", "site", "web" })
package ru.rosdistant.gateway.task;
