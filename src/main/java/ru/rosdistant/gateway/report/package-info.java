/**
 * Reports for supervisors: the dialogs, waits, ratings, appeal types and the regulation's deadlines of a period,
 * computed in PostgreSQL on the production calendar, with the lists of dialogs behind each figure and CSV export.
 */
@org.springframework.modulith.ApplicationModule(allowedDependencies = { "agent", "dialog", "site", "web", "cluster", "shared" })
package ru.rosdistant.gateway.report;
