<?php
/**
 * Installs WordPress (its own wp_install), points it at warta's local webhook, activates the
 * plugin. argv: webhook URL, secret. Run by tests/test_wordpress_real.py.
 */
define( 'WP_INSTALLING', true );
$_SERVER['HTTP_HOST']   = '127.0.0.1';
$_SERVER['REQUEST_URI'] = '/';
require getenv( 'WP_ROOT' ) . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
wp_install( 'Andalpost', 'admin', 'admin@example.com', true, '', 'pw' );
update_option( 'home', 'https://www.andalpost.com' );
update_option( 'siteurl', 'https://www.andalpost.com' );
