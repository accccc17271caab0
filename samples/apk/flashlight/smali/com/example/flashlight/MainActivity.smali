.class public Lcom/example/flashlight/MainActivity;
.super Landroid/app/Activity;
.source "MainActivity.java"

.method public constructor <init>()V
    .registers 1
    invoke-direct {p0}, Landroid/app/Activity;-><init>()V
    return-void
.end method

.method protected onCreate(Landroid/os/Bundle;)V
    .registers 5
    invoke-super {p0, p1}, Landroid/app/Activity;->onCreate(Landroid/os/Bundle;)V
    const-string v0, "camera"
    invoke-virtual {p0, v0}, Lcom/example/flashlight/MainActivity;->getSystemService(Ljava/lang/String;)Ljava/lang/Object;
    move-result-object v0
    check-cast v0, Landroid/hardware/camera2/CameraManager;
    const-string v1, "0"
    const/4 v2, 0x1
    invoke-virtual {v0, v1, v2}, Landroid/hardware/camera2/CameraManager;->setTorchMode(Ljava/lang/String;Z)V
    invoke-static {p0}, Lcom/example/flashlight/DeviceUtil;->imei(Landroid/content/Context;)Ljava/lang/String;
    invoke-static {p0}, Lcom/example/flashlight/DeviceUtil;->androidId(Landroid/content/Context;)Ljava/lang/String;
    invoke-static {p0}, Lcom/example/flashlight/InputPrefs;->currentInputMethod(Landroid/content/Context;)Ljava/lang/String;
    return-void
.end method
