who: bar-host
