/**
 * The dispatcher's triage of the main line: decisions on untriaged dialogs and their deadline.
 */
@org.springframework.modulith.ApplicationModule(allowedDependencies = { "agent", "dialog", "site", "web" })
package ru.rosdistant.gateway.triage;
