/**
 * Where the content of visitors' and messenger files lives (a folder), upload slots, the move of older content.
 */
@org.springframework.modulith.ApplicationModule(allowedDependencies = { "cluster", "shared" })
package ru.rosdistant.gateway.files;
