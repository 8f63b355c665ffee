SELECT flow_start('bench', 'foreach_log');
