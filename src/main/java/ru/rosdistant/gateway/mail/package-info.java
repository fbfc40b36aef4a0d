/**
 * Mail through the outbox and SMTP.
 */
@org.springframework.modulith.ApplicationModule(allowedDependencies = { "outbox" })
package ru.rosdistant.gateway.mail;
