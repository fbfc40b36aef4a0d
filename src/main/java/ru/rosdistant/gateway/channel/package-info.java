/**
 * Messenger bridges (Telegram, Viber, WhatsApp, VK, MAX in sub-packages): webhooks and polling, bot files,
 * identification of messenger users, delivery through the outbox.
 */
@org.springframework.modulith.ApplicationModule(allowedDependencies = {
        "card", "cluster", "dialog", "files", "mail", "offline", "outbox", "site", "task", "web" })
package ru.rosdistant.gateway.channel;
