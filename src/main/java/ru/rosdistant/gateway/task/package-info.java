/**
 * Follow-up tasks (regulation 4.3): "report the result of request N" and "report the answer to complaint N",
 * due in working days, escalated to the line's supervisor when overdue; the ticket desk behind one small
 * interface.
 */
package ru.rosdistant.gateway.task;
