<?php
/**
 * The plugin's pure files, loaded as the plugin loads them; no WordPress.
 *
 * @package warta
 */

error_reporting( E_ALL );
require __DIR__ . '/../../warta/includes/mapping.php';
require __DIR__ . '/../../warta/includes/delivery.php';
