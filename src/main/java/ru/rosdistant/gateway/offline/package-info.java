/**
 * The offline form and offline appeals: validation, storage, card binding, mail to the site's mailbox.
 */
@org.springframework.modulith.ApplicationModule(allowedDependencies = {
        "agent", "card", "cluster", "dialog", "mail", "outbox", "shared", "site", "task", "triage", "web" })
package ru.rosdistant.gateway.offline;
