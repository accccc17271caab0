.class public final Lcn/gov/example/wst/LocationHelper;
.super Ljava/lang/Object;
.source "LocationHelper.java"

.method public static locate(Landroid/content/Context;)V
    .registers 8
    const-string v0, "location"
    invoke-virtual {p0, v0}, Landroid/content/Context;->getSystemService(Ljava/lang/String;)Ljava/lang/Object;
    move-result-object v0
    check-cast v0, Landroid/location/LocationManager;
    const-string v1, "gps"
    invoke-virtual {v0, v1}, Landroid/location/LocationManager;->getLastKnownLocation(Ljava/lang/String;)Landroid/location/Location;
    move-result-object v2
    const-wide/16 v3, 0x3e8
    const/4 v5, 0x0
    const/4 v6, 0x0
    invoke-virtual/range {v0 .. v6}, Landroid/location/LocationManager;->requestLocationUpdates(Ljava/lang/String;JFLandroid/location/LocationListener;)V
    return-void
.end method
