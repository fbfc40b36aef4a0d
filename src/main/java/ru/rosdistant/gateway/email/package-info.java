/**
 * The e-mail channel: mailboxes read over IMAP, mails threaded into dialogs, replies sent through the outbox.
 */
@org.springframework.modulith.ApplicationModule(allowedDependencies = {
        "agent", "card", "cluster", "dialog", "files", "mail", "outbox", "shared", "web" })
package ru.rosdistant.gateway.email;
