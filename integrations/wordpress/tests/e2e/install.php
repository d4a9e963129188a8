<?php
/**
 * Installs WordPress (its own wp_install) as a news site would run it: the site's URL, a local
 * time zone other than UTC (dates must reach warta in UTC whatever it is), pretty permalinks.
 * Run by tests/test_wordpress_real.py; scenario.php activates the plugin.
 */
define( 'WP_INSTALLING', true );
$_SERVER['HTTP_HOST']   = '127.0.0.1';
$_SERVER['REQUEST_URI'] = '/';
require getenv( 'WP_ROOT' ) . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
wp_install( 'Andalpost', 'admin', 'admin@example.com', true, '', 'pw' );
update_option( 'home', 'https://www.andalpost.com' );
update_option( 'siteurl', 'https://www.andalpost.com' );
update_option( 'timezone_string', 'Asia/Jakarta' );
update_option( 'permalink_structure', '/%year%/%monthnum%/%postname%/' );
