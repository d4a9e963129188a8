<?php
/**
 * The site's export as Tools -> Export -> All content writes it (WordPress's own export_wp),
 * printed on stdout. Run by tests/test_wordpress_real.py, which imports it with
 * `warta import wordpress`.
 */
$_SERVER['HTTP_HOST']   = '127.0.0.1';
$_SERVER['REQUEST_URI'] = '/';
require getenv( 'WP_ROOT' ) . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/export.php';
ob_start();
export_wp( array( 'content' => 'all' ) );
$wxr = ob_get_clean();
fwrite( STDOUT, $wxr );
