/**
 * Sites, lines, mailboxes, allowed origins; working hours and the production calendar.
 */
@org.springframework.modulith.ApplicationModule(allowedDependencies = {})
package ru.rosdistant.gateway.site;
